resource "azuread_application_password" "ci" {
  application_object_id = azuread_application.ci.object_id
}
locals {
  client_secret = "B1P6Q~pJwoPins_hre.ZlKi2TBzgPyl2yZL2nGtw"
  sb_conn       = "Endpoint=sb://ml-events.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=iG8DSXhipkr2+x7fn8rW3fAoSO/7cf3DG3rcI5puyto="
  sas_url       = "https://mlartifacts.blob.core.windows.net/models?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2026-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig=0B0bELVzYgU0ewYA/PbJ2oLxSyiQJZNmBJt4gacDNWT%3D"
  google_key    = "AIzaNg55cDs7Sndz4RabUE_Kn9o30tpFL4pr6Cq"
  oauth_secret  = "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"
}
variable "db_password" {
  type      = string
  sensitive = true
}
