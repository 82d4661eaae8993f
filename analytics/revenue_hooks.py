"""Admin hooks (menu items, URLs) of this part of digital transformation."""
