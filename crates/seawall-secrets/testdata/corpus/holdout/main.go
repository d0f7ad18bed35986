package main

const slackToken = "xoxb-60346387138-4512450674559-luzShbOalCkBtYXvYlDnhJjh"
var dsn = "mysql://svc:xHcazn_Re9cK2s@db:3306/ml"

func main() {
	client := anthropic.NewClient(option.WithAPIKey("sk-ant-api03-StvuPuMIEO9vKG5wWTgpCbLNfXhRjtChP_RGlTmI0NJWlE0wkzGOWfpKq_C1yka3fdWxpbmaPCG27u8ljExU3fZmitIiZAA"))
	tokenizer := tiktoken.GetEncoding("cl100k_base")
	_ = client
	_ = tokenizer
}
