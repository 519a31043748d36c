"""Excel in and out of the population register: masked exports, the import template, and
the import checked row by row before anything is written."""
