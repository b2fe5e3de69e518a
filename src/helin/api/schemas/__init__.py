"""What the API takes and gives, one module per resource, separate from the store's tables.

Classes are named by their role: ``GroupCreate`` and ``GroupUpdate`` are request bodies,
``GroupPublic`` (or ``GroupSummary`` and ``GroupDetail``, for a list and for one) what an answer
shows, ``NewUser`` an answer that also shows a secret once, ``CallPage`` a page of a long list.
The services return them and the web pages render them, so a page shows what the API would.
"""
