"""Finding people, households and organisations: the filters the lists and exports share,
and the full-text indexes behind the search box."""
