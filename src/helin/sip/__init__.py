"""helin's sans-IO SIP stack: messages, transactions, dialogs, digest auth."""
