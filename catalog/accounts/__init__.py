"""Accounts: users and their API tokens."""
