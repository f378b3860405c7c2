"""Demo data for Thái Nguyên: markets, vendors, cooperatives and one user per role."""
