//! 3D container load planner. Pure.
