use serde::{Deserialize, Serialize};

/// Where something was seen: a path (inside the image or relative to the scanned directory), the
/// 0-based layer index for images (bottom layer 0), and optionally a line/column and an archive member.
///
/// For image metadata the path is a pseudo-path: `config.env`, `config.labels`, `config.user`,
/// `history[N]`. For live containers `container` names the container.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Location {
    /// Path of the file (no leading `/` for image paths is *not* assumed: image paths are absolute,
    /// e.g. `/usr/lib/python3/dist-packages/x/METADATA`; fs paths are relative to the scan root).
    pub path: String,
    /// 0-based layer index for image targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<u32>,
    /// 1-based line number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// Member inside an archive (zip member of a PyTorch checkpoint, nested path), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// Live container name, for findings about running containers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Live container id, for findings about running containers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
}

impl Location {
    /// A location naming only a file path.
    pub fn file(path: impl Into<String>) -> Self {
        Location { path: path.into(), ..Default::default() }
    }

    /// Sets the layer index.
    pub fn with_layer(mut self, layer: Option<u32>) -> Self {
        self.layer = layer;
        self
    }

    /// Sets the 1-based line.
    pub fn with_line(mut self, line: u32) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the 1-based column.
    pub fn with_column(mut self, column: u32) -> Self {
        self.column = Some(column);
        self
    }

    /// Sets the archive member.
    pub fn with_member(mut self, member: impl Into<String>) -> Self {
        self.member = Some(member.into());
        self
    }
}
