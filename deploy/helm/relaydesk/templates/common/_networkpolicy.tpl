{{/* Egress rules of a relaydesk pod: (dict "root" $ "qdrant" bool "ray" bool) says which services this pod
calls besides DNS, Kafka, the OTLP collector and networkPolicy.extraEgress. */}}
{{- define "relaydesk.networkPolicy.egress" -}}
{{- $root := .root -}}
{{- $np := $root.Values.networkPolicy -}}
{{- if $np.allowExternalEgress -}}
- {}
{{- else -}}
# DNS, wherever the cluster runs it.
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
# Kafka: the ports of kafka.bootstrap, on the peers in networkPolicy.kafkaEgressTo (any address when empty).
- ports:
    {{- range (include "relaydesk.kafka.ports" $root | fromJsonArray) }}
    - port: {{ int . }}
      protocol: TCP
    {{- end }}
  {{- with $np.kafkaEgressTo }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- if and (eq $root.Values.telemetry.exporter "otlp") $root.Values.telemetry.otlpEndpoint }}
# the OpenTelemetry collector
- ports:
    - port: {{ include "relaydesk.urlPort" (dict "url" $root.Values.telemetry.otlpEndpoint) | int }}
      protocol: TCP
{{- end }}
{{- if .qdrant }}
{{- if $root.Values.vectorstore.url }}
# the Qdrant you run (vectorstore.url); qdrant-client uses 6333 when the URL names no port
- ports:
    - port: {{ include "relaydesk.urlPort" (dict "url" $root.Values.vectorstore.url "default" 6333) | int }}
      protocol: TCP
{{- else if $root.Values.qdrant.enabled }}
- to:
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: qdrant
          app.kubernetes.io/instance: {{ $root.Release.Name }}
  ports:
    - port: 6333
      protocol: TCP
{{- end }}
{{- end }}
{{- if .ray }}
{{- if $root.Values.rayService.enabled }}
- to:
    - podSelector:
        matchLabels:
          {{- include "relaydesk.rayPodSelectorLabels" $root | nindent 10 }}
  ports:
    - port: {{ $root.Values.rayService.serve.port }}
      protocol: TCP
{{- else if $root.Values.rayService.externalServeUrl }}
# the Ray Serve you run (rayService.externalServeUrl)
- ports:
    - port: {{ include "relaydesk.urlPort" (dict "url" (include "relaydesk.generation.serveUrl" $root)) | int }}
      protocol: TCP
{{- end }}
{{- end }}
{{- with $np.extraEgress }}
{{ toYaml . }}
{{- end }}
{{- end -}}
{{- end -}}
