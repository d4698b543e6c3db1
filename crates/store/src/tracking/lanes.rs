//! Transit-time history: completed transits of the organisation's shipments, per lane (origin,
//! destination, carrier, service, leg), read from the stored shipment states.

use tradelane_tracking::eta::{Lane, TransitSample};
use tradelane_tracking::{LegKind, ShipmentState};

use super::from_json;
use crate::Store;
use crate::db::{get_i64, get_opt_string, get_string};
use crate::error::Result;
use crate::model::OrgId;

/// The lane of a shipment: its route, carrier and the service of its last-mile leg (or of the
/// first leg naming one).
pub fn shipment_lane(
    origin: Option<&str>,
    destination: Option<&str>,
    carrier: Option<&str>,
    service: Option<&str>,
) -> Option<Lane> {
    Some(Lane {
        origin: origin?.to_string(),
        destination: destination?.to_string(),
        carrier: carrier.map(str::to_string),
        service: service.map(str::to_string),
        leg: None,
    })
}

impl Store {
    /// Door-to-door samples of delivered shipments and per-leg samples of every leg known to
    /// be over, for shipments with an origin and a destination.
    pub async fn transit_samples(&self, org: OrgId) -> Result<Vec<TransitSample>> {
        let rows = sqlx::query(
            "SELECT s.id, s.origin, s.destination, s.carrier, s.state_json, \
             (SELECT l.service FROM shipment_legs l WHERE l.org_id = s.org_id \
              AND l.shipment_id = s.id AND l.service IS NOT NULL ORDER BY \
              CASE WHEN l.kind = 'last_mile' THEN 0 ELSE 1 END, l.seq LIMIT 1) AS service \
             FROM shipments s WHERE s.org_id = $1 AND s.origin IS NOT NULL \
             AND s.destination IS NOT NULL AND s.event_count > 0",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let _ = get_i64(r, "id")?;
            let Some(lane) = shipment_lane(
                get_opt_string(r, "origin")?.as_deref(),
                get_opt_string(r, "destination")?.as_deref(),
                get_opt_string(r, "carrier")?.as_deref(),
                get_opt_string(r, "service")?.as_deref(),
            ) else {
                continue;
            };
            let state: ShipmentState =
                from_json("shipments.state_json", &get_string(r, "state_json")?)?;
            if let Some(s) = TransitSample::door_to_door(lane.clone(), &state) {
                out.push(s);
            }
            for leg in LegKind::ALL {
                if let Some(s) = TransitSample::for_leg(lane.clone(), &state, leg) {
                    out.push(s);
                }
            }
        }
        Ok(out)
    }
}
