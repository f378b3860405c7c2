"""VietQR payment codes: payload encoding, the bank directory, and printable placards."""
