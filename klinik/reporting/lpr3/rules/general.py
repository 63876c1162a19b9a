"""Rules of the groups NONE, PATIENT and REFERENCE."""
