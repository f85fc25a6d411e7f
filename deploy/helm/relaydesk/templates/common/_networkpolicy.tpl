{{/* Egress rules of a relaydesk pod: (dict "root" $ "qdrant" bool "ray" bool) says which in-cluster
services this pod calls besides DNS and networkPolicy.extraEgress. */}}
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
{{- if and .qdrant $root.Values.qdrant.enabled (not $root.Values.vectorstore.url) }}
- to:
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: qdrant
          app.kubernetes.io/instance: {{ $root.Release.Name }}
  ports:
    - port: 6333
      protocol: TCP
{{- end }}
{{- if and .ray $root.Values.rayService.enabled }}
- to:
    - podSelector:
        matchLabels:
          {{- include "relaydesk.rayPodSelectorLabels" $root | nindent 10 }}
  ports:
    - port: {{ $root.Values.rayService.serve.port }}
      protocol: TCP
{{- end }}
{{- with $np.extraEgress }}
{{ toYaml . }}
{{- end }}
{{- end -}}
{{- end -}}
