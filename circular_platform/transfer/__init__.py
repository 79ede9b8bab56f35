"""Bulk import of questions and solutions from CSV, and export of the lists to CSV."""
