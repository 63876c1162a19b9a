"""The LPR3 business rules, one module per rule group; importing this package registers them."""

from klinik.reporting.lpr3.rules import (  # noqa: F401 (imported to register the rules)
    contact,
    diagnosis,
    general,
    pathway,
    procedure,
)
