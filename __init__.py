"""branchdesk — keyboard-driven terminal application for bank branch and field staff."""

__version__ = "0.1.0"
