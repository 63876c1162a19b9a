"""The calendar: day and week of a unit, booking, and the appointment panel (a screen wing
above the scheduling core)."""
