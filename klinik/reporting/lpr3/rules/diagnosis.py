"""Rules of the group DIAGNOSE."""
