// One URL per page template: the e2e quality tests and the weight bench both walk this list.
export const templates = {
  home: '/',
  recipe: '/recipes/inbound-opportunistic-starttls/',
  recipes: '/recipes/',
  parameter: '/parameters/smtpd_tls_security_level/',
  'deprecated parameter': '/parameters/smtpd_use_tls/',
  'parameter index': '/parameters/',
  rule: '/rules/tls-required-on-mx/',
  rules: '/rules/',
  checker: '/check/',
  generator: '/generate/',
  explainer: '/explain/',
  protocol: '/protocols/TLSv1.3/',
  'security level': '/security-levels/verify/',
  'cipher grade': '/cipher-grades/medium/',
  releases: '/releases/',
};
