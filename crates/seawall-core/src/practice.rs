/// A practice number (1–10) of the seed article "Container Security Best Practices for AI/ML Projects".
pub type Practice = u8;

/// The short title of a practice, or `"unknown practice"` for numbers outside 1–10.
pub fn practice_title(p: Practice) -> &'static str {
    match p {
        1 => "Understand the threats (image vulnerabilities, runtime threats, data breaches)",
        2 => "Use trusted base images",
        3 => "Implement image scanning",
        4 => "Limit container privileges",
        5 => "Enable network segmentation",
        6 => "Secure secrets management",
        7 => "Regularly update dependencies",
        8 => "Monitor container activity",
        9 => "Conduct regular audits",
        10 => "Educate your team",
        _ => "unknown practice",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles() {
        assert!(super::practice_title(6).contains("secrets"));
        assert_eq!(super::practice_title(0), "unknown practice");
    }
}
