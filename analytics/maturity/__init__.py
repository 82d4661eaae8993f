"""The maturity self-assessment (Decision 1827/QĐ-BTTTT and whatever replaces it): the framework as data,
evidence the system can offer for a criterion, answers, scores per pillar and the level reached."""
