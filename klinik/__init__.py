"""Klinik: administration for Danish health practices and hospital secretariats."""
