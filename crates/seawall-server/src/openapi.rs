//! The OpenAPI document, generated from the handlers' annotations (served at `/api/v1/openapi.json`).

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

/// The API description of `seawall serve`.
#[derive(OpenApi)]
#[openapi(
    info(title = "seawall fleet API", description = "Submit image scans, read reports in every seawall format, query the fleet's inventories and findings, upload CI reports. Every route except /healthz needs `Authorization: Bearer TOKEN` (`seawall token create`); a token sees only its project."),
    paths(
        api::submit_scan, api::get_scan, api::list_images, api::get_image, api::get_report, api::packages,
        api::advisory_images, api::findings, api::upload_report, api::workers, api::healthz, api::readyz,
        api::metrics, crate::integrations::registry_events, crate::integrations::set_webhook,
        crate::integrations::exposure, crate::agents::report, crate::agents::hosts, crate::agents::alerts,
        crate::crawl::put_crawl, crate::crawl::list_crawls,
        crate::crawl::delete_crawl
    ),
    components(schemas(
        api::ErrorBody, api::ScanRequest, api::CredentialsSchema, api::Uploaded, api::WorkerInfoSchema,
        crate::integrations::EventsAccepted, crate::integrations::QueuedPush,
        crate::integrations::WebhookRequest, seawall_store::Exposure, crate::crawl::CrawlRequest,
        seawall_store::CrawlView,
        seawall_store::Enqueued, seawall_store::JobStatus, seawall_store::JobView, seawall_store::ResultSummary,
        seawall_store::Counts, seawall_store::ImageSummary, seawall_store::PackageHit, seawall_store::FindingRow,
        crate::agents::AgentBatchSchema, crate::agents::BatchAckSchema, seawall_store::HostView,
        seawall_store::HostContainerView, seawall_store::AgentAlertView
    )),
    modifiers(&Bearer),
    tags(
        (name = "scans", description = "Scan jobs"),
        (name = "images", description = "Images and their reports"),
        (name = "fleet", description = "Queries across every image of the project"),
        (name = "reports", description = "Reports produced elsewhere"),
        (name = "operations", description = "Health, readiness, metrics, workers"),
        (name = "agents", description = "Monitor agents: alerts and audits, hosts and the images they run"),
    )
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}
