"""Reception: today's arrivals board, check-in, contact confirmation, the walk-in queue and
the waiting-room screen (a screen wing above the scheduling core)."""
