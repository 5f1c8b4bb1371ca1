DROP TABLE period_locks;
DROP TABLE backdate_permissions;
DROP TABLE delegations;
DROP TABLE leaves;
DROP TABLE seeds;
DROP TABLE holidays;
DROP TABLE entries;
