"""What county administrators set for the registers: care tags (关爱标签), visit classes
(一类/二类/三类户) and key-person categories (重点人员类别)."""
