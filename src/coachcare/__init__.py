"""coachcare: the Coach & Care youth-care method as an open-source platform."""

__version__ = "0.1.0"
