"""共建单位: the units that share a grid's work — 结对共建单位 (an agency, school or firm
paired with grids) and 物业公司 (a compound's property company) — with their duties
and the activities they record (002 篇九; 001 篇二 "五类主体")."""
