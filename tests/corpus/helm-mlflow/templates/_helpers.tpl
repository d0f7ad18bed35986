{{- define "mlflow.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "mlflow.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
{{- end }}
