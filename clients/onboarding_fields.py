"""What a marketer types for a customer: the one list of the onboarding form's fields.

The backend's rules take these fields from a request (and a change may carry only these); the
client's form, sync and exports show them. Nothing else is imported: both sides use this module.
"""

INPUT_FIELDS = (
    "name",
    "id_number",
    "mobile",
    "area",
    "licence_no",
    "card_number",
    "card_bank",
    "token_type",
    "order_amount",
)
