"""Traders, household businesses and cooperatives, their payment methods, onboarding and import."""
