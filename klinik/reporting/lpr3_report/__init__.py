"""The LPR3 report built from Klinik's data, the error list (fejlliste) and the transport
adapter (issue 18; ADR 0032). The rules themselves are in `reporting.lpr3` (ADR 0031)."""
