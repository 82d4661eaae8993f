"""The yearly digital-transformation report of a province or ministry: PDF, DOCX and CSV."""
