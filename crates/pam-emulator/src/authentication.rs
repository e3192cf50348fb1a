//! Checking a request's signature (v2, or a scheme an SDK uses for publish) and timestamp, with PubNub's 403 bodies when they fail.

use crate::Response;
use crate::access_manager::{AccessManager, Incoming, ServedKeyset, sentence};
use crate::routes::Endpoint;

/// The detail PubNub gives when a signature does not match.
pub(crate) const SIGNATURE_MISMATCH_DETAIL: &str =
    "Client and server produced different signatures for the same inputs.";

impl AccessManager {
    /// Accepts the request when it carries a valid signature of `served`'s secret key and a
    /// timestamp within the tolerance of the server time; otherwise the `403` to answer:
    /// "Invalid signature" (missing, malformed or wrong signature) or "Invalid timestamp"
    /// (missing, malformed or stale timestamp; the detail names it and the server time).
    pub(crate) fn authenticate(
        &self,
        incoming: &Incoming<'_>,
        endpoint: Endpoint,
        served: &ServedKeyset,
    ) -> Result<(), Response> {
        let pairs = incoming.query.borrowed();
        let request = incoming.for_signing(&pairs);
        let invalid_signature = |detail: String| {
            Response::v3(
                403,
                "Invalid signature",
                endpoint.source(),
                detail,
                "signature",
                "query",
            )
        };
        let invalid_timestamp = |detail: String| {
            Response::v3(
                403,
                "Invalid timestamp",
                endpoint.source(),
                detail,
                "timestamp",
                "query",
            )
        };
        // Publish accepts each scheme PubNub's SDKs sign it with (see `pam_sign::PublishScheme`);
        // every other request, signature v2 only.
        match served
            .signing_key
            .verify_publish(served.keyset.subscribe_key(), &request)
        {
            Ok(_scheme) => {}
            Err(pam_sign::Error::SignatureMismatch) => {
                return Err(invalid_signature(SIGNATURE_MISMATCH_DETAIL.to_owned()));
            }
            Err(other) => return Err(invalid_signature(sentence(&other.to_string()))),
        }
        let timestamp = request
            .timestamp()
            .map_err(|e| invalid_timestamp(sentence(&e.to_string())))?;
        let now = self.clock.now_secs();
        pam_sign::check_timestamp(timestamp, now, self.timestamp_tolerance_secs).map_err(|_| {
            invalid_timestamp(format!(
                "The request timestamp {timestamp} is {} s away from the server time {now}; \
                 at most {} s is accepted.",
                timestamp.abs_diff(now),
                self.timestamp_tolerance_secs
            ))
        })
    }
}
