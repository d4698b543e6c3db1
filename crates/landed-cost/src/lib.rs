//! Landed cost and import tax engine over dated rule packs. Pure.
