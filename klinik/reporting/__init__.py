"""Read-only reports for managers: they read other apps' selectors and write nothing but the
access log (ADR 0017)."""
