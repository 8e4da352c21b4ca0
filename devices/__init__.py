"""Card readers and USIM card writing; no UI and no backend knowledge.

Importing this package is cheap and imports none of its modules: pyscard is only loaded
when a PcscReader first talks to PC/SC (``branchdesk.devices.pcsc``). Import what you need
from the modules themselves (``errors``, ``profile``, ``reader``, ``pcsc``, ``memory``...).
"""
