"""Online booking: the public pages where patients book, cancel and move their own
appointments, and the practitioners' calendar feeds (a screen wing above the scheduling core).
"""
