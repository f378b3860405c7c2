"""Markets, stalls, administrative units, and the digitisation indicators built on them."""
