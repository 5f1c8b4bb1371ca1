DROP TABLE round_ballot_choices;
DROP TABLE round_ballot_participation;
DROP TABLE round_ballots;
DROP TABLE rating_ballots;
DROP TABLE rating_participation;
DROP TABLE rating_electors;
DROP TABLE rating_campaigns;
DROP TABLE criteria_sets;
