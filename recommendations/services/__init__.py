"""Writes, one module per area: scenes (criteria), recommendations, feedback, playlists, refresh."""
