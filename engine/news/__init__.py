"""News: fetching feeds (fetch), the tags feeds carry (feedtags), polling into the store."""
