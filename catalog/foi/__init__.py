"""Freedom of Information requests: drafting, tracking, the authorities they go to, letters,
outputs, deadlines and the most wanted data."""
