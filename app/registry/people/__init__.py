"""People and households (实有人口): the register's models and rules, residents, households
and their memberships, the dated population changes (动态信息), and where an ID number lives."""
