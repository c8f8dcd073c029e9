"""The view modules, one per page family; each holds one Flask blueprint."""
