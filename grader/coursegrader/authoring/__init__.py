"""Tools for the course's authors: generate the student notebooks, check that nothing secret
leaks into them, and mutation-test the lessons' own tests."""
