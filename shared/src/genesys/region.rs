//! Where a Genesys Cloud organisation lives: region → `api.{domain}` and `login.{domain}`, or an
//! explicit base-URL pair (the sandbox, or a gateway in front of Genesys Cloud).

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

/// Every Genesys Cloud region: its AWS-style name and its domain. Either spelling is accepted.
pub const REGIONS: [(&str, &str); 18] = [
    ("us-east-1", "mypurecloud.com"),
    ("us-east-2", "use2.us-gov-pure.cloud"),
    ("us-west-2", "usw2.pure.cloud"),
    ("ca-central-1", "cac1.pure.cloud"),
    ("sa-east-1", "sae1.pure.cloud"),
    ("mx-central-1", "mxc1.pure.cloud"),
    ("eu-west-1", "mypurecloud.ie"),
    ("eu-west-2", "euw2.pure.cloud"),
    ("eu-central-1", "mypurecloud.de"),
    ("eu-central-2", "euc2.pure.cloud"),
    ("eusc-de-east-1", "edee1.eusc-pure.cloud"),
    ("me-central-1", "mec1.pure.cloud"),
    ("ap-south-1", "aps1.pure.cloud"),
    ("ap-southeast-1", "apse1.pure.cloud"),
    ("ap-southeast-2", "mypurecloud.com.au"),
    ("ap-northeast-1", "mypurecloud.jp"),
    ("ap-northeast-2", "apne2.pure.cloud"),
    ("ap-northeast-3", "apne3.pure.cloud"),
];

/// Why the client could not be configured. Raised at cold start, never per request.
#[derive(Debug, thiserror::Error)]
pub enum GenesysConfigError {
    /// Not a Genesys Cloud region.
    #[error("unknown genesys cloud region `{region}`; known regions: {known}")]
    UnknownRegion {
        region: String,
        /// Every accepted domain.
        known: String,
    },
    /// A base-URL override is unusable.
    #[error("genesys base url `{url}` is not usable: {reason}")]
    BaseUrl { url: String, reason: &'static str },
    /// The HTTP client could not be built.
    #[error("could not build the http client for genesys cloud")]
    HttpClient(#[source] reqwest::Error),
    /// The client's TLS roots are unusable (`SSL_CERT_FILE`).
    #[error("genesys client: {0}")]
    Tls(#[source] crate::tls::TlsRootsError),
}

/// The two hosts the client talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenesysEndpoints {
    api_base: Url,
    login_base: Url,
}

impl GenesysEndpoints {
    /// The hosts of a region, given as its domain (`mypurecloud.ie`) or AWS-style name
    /// (`eu-west-1`), case-insensitively.
    pub fn for_region(region: &str) -> Result<Self, GenesysConfigError> {
        let wanted = region.trim().to_ascii_lowercase();
        let domain = REGIONS
            .iter()
            .find(|(name, domain)| *name == wanted || *domain == wanted)
            .map(|(_, domain)| *domain)
            .ok_or_else(|| GenesysConfigError::UnknownRegion {
                region: region.to_owned(),
                known: REGIONS
                    .iter()
                    .map(|(_, d)| *d)
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        Ok(Self {
            api_base: https_base(&format!("https://api.{domain}"))?,
            login_base: https_base(&format!("https://login.{domain}"))?,
        })
    }

    /// Explicit bases, e.g. `http://127.0.0.1:PORT` for the sandbox or
    /// `https://gateway.example.com/genesys` for a gateway. A base may carry a path prefix.
    /// HTTPS is required except on loopback, so a bearer token never crosses a network in clear.
    pub fn custom(api_base: &str, login_base: &str) -> Result<Self, GenesysConfigError> {
        Ok(Self {
            api_base: checked_base(api_base)?,
            login_base: checked_base(login_base)?,
        })
    }

    /// The API base (`https://api.{domain}`).
    pub fn api_base(&self) -> &Url {
        &self.api_base
    }

    /// The login base (`https://login.{domain}`).
    pub fn login_base(&self) -> &Url {
        &self.login_base
    }

    /// `{login}/oauth/token`.
    pub(crate) fn token_url(&self) -> Url {
        join(&self.login_base, &["oauth", "token"])
    }

    /// `{api}/seg/seg/...`, each segment percent-encoded.
    pub(crate) fn api_url(&self, segments: &[&str]) -> Url {
        join(&self.api_base, segments)
    }

    /// A Platform API route written as in Genesys's reference, with `{}` for each id in turn:
    /// `api_route("api/v2/conversations/messages/{}", &[id])`. Ids are segments like any other,
    /// so they are percent-encoded.
    pub(crate) fn api_route(&self, template: &str, ids: &[&dyn fmt::Display]) -> Url {
        let mut ids = ids.iter();
        let segments: Vec<Cow<'_, str>> = template
            .split('/')
            .map(|segment| {
                if segment == "{}"
                    && let Some(id) = ids.next()
                {
                    return Cow::Owned(id.to_string());
                }
                Cow::Borrowed(segment)
            })
            .collect();
        let segments: Vec<&str> = segments.iter().map(AsRef::as_ref).collect();
        self.api_url(&segments)
    }
}

fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    // Bases are checked to be http(s) URLs, which always have path segments.
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

fn https_base(raw: &str) -> Result<Url, GenesysConfigError> {
    Url::parse(raw).map_err(|_| GenesysConfigError::BaseUrl {
        url: raw.to_owned(),
        reason: "not a url",
    })
}

fn checked_base(raw: &str) -> Result<Url, GenesysConfigError> {
    let bad = |reason| GenesysConfigError::BaseUrl {
        url: raw.to_owned(),
        reason,
    };
    let url = Url::parse(raw.trim()).map_err(|_| bad("not an absolute url"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials in the url are not allowed"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base url has no query or fragment"));
    }
    let loopback = match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => return Err(bad("no host")),
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(bad("plain http is allowed on loopback only; use https")),
        _ => Err(bad("the scheme must be https")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_region_domain_maps_to_its_api_and_login_hosts() {
        for (name, domain) in REGIONS {
            let by_domain = GenesysEndpoints::for_region(domain).unwrap();
            assert_eq!(by_domain, GenesysEndpoints::for_region(name).unwrap());
            assert_eq!(
                by_domain.api_base().as_str(),
                format!("https://api.{domain}/")
            );
            assert_eq!(
                by_domain.token_url().as_str(),
                format!("https://login.{domain}/oauth/token")
            );
        }
        let ie = GenesysEndpoints::for_region(" MyPureCloud.IE ").unwrap();
        assert_eq!(ie.api_base().host_str(), Some("api.mypurecloud.ie"));
    }

    #[test]
    fn an_unknown_region_is_refused_with_the_known_ones_listed() {
        let error = GenesysEndpoints::for_region("mypurecloud.fr").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("`mypurecloud.fr`"), "{text}");
        assert!(text.contains("usw2.pure.cloud"), "{text}");
        assert!(text.contains("edee1.eusc-pure.cloud"), "{text}");
    }

    #[test]
    fn a_base_url_prefix_is_kept_and_ids_are_encoded() {
        let e =
            GenesysEndpoints::custom("http://127.0.0.1:9/sandbox/", "http://localhost:9/sandbox")
                .unwrap();
        assert_eq!(
            e.api_url(&["api", "v2", "conversations", "messages", "a/b"])
                .as_str(),
            "http://127.0.0.1:9/sandbox/api/v2/conversations/messages/a%2Fb"
        );
        assert_eq!(
            e.token_url().as_str(),
            "http://localhost:9/sandbox/oauth/token"
        );
    }

    #[test]
    fn plain_http_off_loopback_and_credentials_in_urls_are_refused() {
        for bad in [
            "http://gateway.example.com",
            "https://user:pw@gateway.example.com",
            "ftp://127.0.0.1",
            "https://gateway.example.com/?x=1",
            "not a url",
        ] {
            assert!(
                matches!(
                    GenesysEndpoints::custom(bad, "https://login.example.com"),
                    Err(GenesysConfigError::BaseUrl { .. })
                ),
                "{bad}"
            );
        }
        assert!(
            GenesysEndpoints::custom("https://gw.example.com/genesys", "http://[::1]:8080").is_ok()
        );
    }
}
