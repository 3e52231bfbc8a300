"""Persian text handling: character folding, canonical keys, hazm-based normalization."""
