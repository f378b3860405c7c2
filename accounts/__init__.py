"""Users, roles and their scope, login."""
