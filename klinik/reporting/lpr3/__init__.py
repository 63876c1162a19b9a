"""LPR3 reporting: the report document, the SDS business-rule catalogue and the rule engine.

`validate(document)` parses one patient's report (document.py), builds the context the rules need
(SKS validity, code lists, SOR units: engine.py) and runs every registered rule (rules/). ADR 0031.
"""
