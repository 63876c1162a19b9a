"""The clinical tabs: diagnoses and procedures on contacts, problems, warnings (coding), and
measurements and vaccinations with the export to the vaccination register (observations)."""
