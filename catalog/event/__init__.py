"""The event day as the organisers see it: the live board of today's uploads, the requests
for help a volunteer raises and a mentor takes, and the day's record as CSV."""
