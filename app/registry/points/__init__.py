"""点位: the places of a grid given to a unit and a person (网上有格、格中有点、点上有事、事上有人、
人上有责), and the grid chief's monthly supervision of each (督查督导)."""
