"""Rules of the group PROCEDURE."""
